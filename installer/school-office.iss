; Inno Setup 6 script: the School Office installer for one Windows user, no administrator needed.
;
;   python installer\build.py        (builds the app, then runs ISCC with the defines below)
;   ISCC /DAppVersion=1.2.3 /DFileVersion=1.2.3.0 /DBundleDir=...\dist\school-office ^
;        /DOutputDir=...\out installer\school-office.iss
;
; Installs into %LOCALAPPDATA%\Programs\School Office ({autopf} of a per-user install), adds a
; Start-menu shortcut and, if ticked, a desktop one. A newer installer finds the old install by
; AppId and replaces it in place (same folder). Uninstalling keeps the school's database and
; settings unless "remove my data" is ticked; a silent uninstall keeps them unless it is given
; /REMOVEUSERDATA=yes.
;
; A running School Office (or a `school-office-cli db backup`) holds the named mutex AppMutex
; (desktop/single_instance.py): Setup and the uninstaller check it before they touch anything,
; an interactive run asks to close the app and waits, a silent one refuses (exit code 1 for
; Setup, non-zero for the uninstaller) and changes nothing. Just before installing, Setup checks
; it again and only then moves the old version's Python and Qt files aside; they are deleted
; once the new files are in, and put back if the installation fails or is cancelled.
;
; Compiles with Inno Setup 6.3 and later: 6.6.0 changed CreateCustomForm's parameters (see
; NewUninstallForm). CI compiles with an older pinned and the current release
; (.github/workflows/windows.yml) and, on Linux, under wine (tests/test_installer_wine.py).

#ifndef AppVersion
  #error Pass the version: ISCC /DAppVersion=1.2.3 (installer/build.py does)
#endif
#ifndef FileVersion
  #define FileVersion AppVersion
#endif
#ifndef BundleDir
  #define BundleDir "out\dist\school-office"
#endif
#ifndef OutputDir
  #define OutputDir "out"
#endif

#ifndef DefaultDir
  #define DefaultDir "{autopf}\School Office"
#endif

#define AppName "School Office"
#define AppExeName "school-office.exe"
#define AppCliName "school-office-cli.exe"
; Never change: the app holds it (desktop/single_instance.py APP_MUTEX), and installed versions'
; uninstallers look for it.
#define AppMutex "SchoolOffice-6F0D3C2A-8B4E-4F7A-9C1D-2E5B7A9F4C13"

[Setup]
; Never change AppId: it is how a newer installer recognises an installed School Office.
AppId={{6F0D3C2A-8B4E-4F7A-9C1D-2E5B7A9F4C13}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=School Office
VersionInfoVersion={#FileVersion}
VersionInfoProductVersion={#FileVersion}
VersionInfoDescription={#AppName} installer
; Per user, no elevation: {autopf} is %LOCALAPPDATA%\Programs, shortcuts go to the user's menu.
PrivilegesRequired=lowest
; /DDefaultDir=... only for tests under wine, which has no per-user {autopf} (tests/).
DefaultDirName={#DefaultDir}
UsePreviousAppDir=yes
DisableDirPage=auto
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Setup and the uninstaller wait for (interactive) or refuse (silent) a running School Office.
AppMutex={#AppMutex}
; Anything else that still has one of the app's files open (a second school-office-cli, say) is
; closed by the Restart Manager before files are replaced.
CloseApplications=yes
CloseApplicationsFilter=*.exe,*.dll,*.pyd
RestartApplications=no
; x64compatible: x64 Windows and Windows 11 on Arm (which runs x64 programs); "x64" is deprecated.
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
WizardStyle=modern
ShowLanguageDialog=auto
SetupIconFile=..\resources\icons\app.ico
UninstallDisplayIcon={app}\{#AppExeName}
UninstallDisplayName={#AppName}
OutputDir={#OutputDir}
OutputBaseFilename=school-office-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes

; Inno Setup ships English and Slovenian; its Estonian translation is unofficial (not shipped),
; so Estonian Windows gets the English installer (the app itself speaks Estonian).
[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
Name: "slovenian"; MessagesFile: "compiler:Languages\Slovenian.isl"

[CustomMessages]
english.RemoveDataTitle=Uninstall School Office
english.RemoveDataIntro=School Office will be removed from this computer.%n%nThe school's database, settings and logs in%n%1%nare kept, so a reinstall (or a newer version) continues where you left off.
english.RemoveDataCheck=Also &remove my data: the database, settings and logs
english.RemoveDataBackup=Removed data cannot be restored. If this computer holds the school's only copy of the database, cancel and make a backup first, in a command prompt:%n"%1" db backup FILE
english.AppStillRunning=%1 was opened again. Close it, then run Setup again; nothing has been changed.
english.FilesInUse=Some of School Office's files are in use (%1). Close School Office and any school-office-cli window, then run Setup again; nothing has been changed.
english.ButtonUninstall=&Uninstall
english.ButtonCancel=Cancel
slovenian.RemoveDataTitle=Odstranitev programa School Office
slovenian.RemoveDataIntro=Program School Office bo odstranjen s tega računalnika.%n%nŠolska zbirka podatkov, nastavitve in dnevniki v mapi%n%1%nostanejo, zato ponovna namestitev (ali novejša različica) nadaljuje tam, kjer ste ostali.
slovenian.RemoveDataCheck=&Odstrani tudi moje podatke: zbirko podatkov, nastavitve in dnevnike
slovenian.RemoveDataBackup=Odstranjenih podatkov ni mogoče obnoviti. Če je na tem računalniku edina kopija šolske zbirke podatkov, prekličite in jo najprej varnostno kopirajte, v ukaznem pozivu:%n"%1" db backup DATOTEKA
slovenian.AppStillRunning=Program %1 je bil medtem znova odprt. Zaprite ga in znova zaženite namestitev; nič ni bilo spremenjeno.
slovenian.FilesInUse=Nekatere datoteke programa School Office so v uporabi (%1). Zaprite School Office in vsa okna school-office-cli ter znova zaženite namestitev; nič ni bilo spremenjeno.
slovenian.ButtonUninstall=&Odstrani
slovenian.ButtonCancel=Prekliči

; Inno's own "Are you sure you want to completely remove School Office and all of its
; components?" follows the form above and would contradict "your data is kept".
[Messages]
english.ConfirmUninstall=Remove the %1 program from this computer now?%n%nThe school's database, settings and logs are removed only if you ticked "Also remove my data" in the previous window.
slovenian.ConfirmUninstall=Ali želite zdaj odstraniti program %1 s tega računalnika?%n%nŠolska zbirka podatkov, nastavitve in dnevniki bodo odstranjeni le, če ste v prejšnjem oknu označili »Odstrani tudi moje podatke«.

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExeName}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Tasks: desktopicon

[UninstallDelete]
; Left only if Setup was stopped between moving the old files aside and deleting them.
Type: filesandordirs; Name: "{app}\_internal.old"

[Run]
Filename: "{app}\{#AppExeName}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
var
  RemoveUserData: Boolean;
  OldInternal: String;      { the old version's _internal, moved aside by PrepareToInstall }
  InstallFinished: Boolean;

{ desktop/settings.py: platformdirs' user_data_dir("school-office", "School Office",
  roaming=False), which on Windows is also its user_config_dir: the SQLite database,
  settings.json, window.ini and the logs folder all live here. }
function UserDataDir(): String;
begin
  Result := ExpandConstant('{localappdata}\School Office\school-office');
end;

{ ---- Setup: the old files go only once the app is closed ---- }

function PrepareToInstall(var NeedsRestart: Boolean): String;
var
  Internal: String;
begin
  Result := '';
  OldInternal := '';
  { AppMutex was checked when Setup started; the app may have been opened since. }
  while CheckForMutexes('{#AppMutex}') do
    if SuppressibleMsgBox(FmtMessage(SetupMessage(msgSetupAppRunningError), ['{#AppName}']),
        mbError, MB_OKCANCEL, IDCANCEL) <> IDOK then
    begin
      Result := FmtMessage(CustomMessage('AppStillRunning'), ['{#AppName}']);
      Exit;
    end;
  { The previous version's Python and Qt files: a module left over from it must not be
    loaded by the new one. Moved aside (which Windows refuses while any file in it is open,
    so nothing is half deleted), deleted after a good install, put back otherwise. }
  Internal := ExpandConstant('{app}\_internal');
  if DirExists(Internal) then
  begin
    if DirExists(Internal + '.old') then
      DelTree(Internal + '.old', True, True, True);
    if not RenameFile(Internal, Internal + '.old') then
    begin
      Result := FmtMessage(CustomMessage('FilesInUse'), [Internal]);
      Exit;
    end;
    OldInternal := Internal + '.old';
    Log('Moved the previous version''s files aside: ' + OldInternal);
  end;
end;

procedure CurStepChanged(CurStep: TSetupStep);
begin
  if CurStep = ssPostInstall then
  begin
    InstallFinished := True;
    if (OldInternal <> '') and DirExists(OldInternal) then
    begin
      DelTree(OldInternal, True, True, True);
      Log('Deleted the previous version''s files: ' + OldInternal);
    end;
  end;
end;

procedure DeinitializeSetup();
var
  Internal: String;
begin
  { Cancelled or failed (and rolled back) after PrepareToInstall: the old version's files go
    back, so the installed version still starts. }
  if InstallFinished or (OldInternal = '') or not DirExists(OldInternal) then
    Exit;
  Internal := Copy(OldInternal, 1, Length(OldInternal) - Length('.old'));
  if DirExists(Internal) then
    DelTree(Internal, True, True, True);
  if RenameFile(OldInternal, Internal) then
    Log('Put the previous version''s files back: ' + Internal)
  else
    Log('Could not put the previous version''s files back: ' + OldInternal);
end;

{ ---- Uninstall: what happens to the school's data ---- }

{ Inno Setup 6.6.0 changed CreateCustomForm: the client size is given when the form is made
  (and cannot be changed after), and 6.6's own documentation differs on whether it scales it.
  Older compilers know only the call without parameters, so the two are told apart here. }
function NewUninstallForm(const Width, Height: Integer): TSetupForm;
begin
#if Ver >= EncodeVer(6,6,0)
  Result := CreateCustomForm(Width, Height, True, True);
#else
  Result := CreateCustomForm();
  Result.ClientWidth := ScaleX(Width);
  Result.ClientHeight := ScaleY(Height);
#endif
end;

{ Puts the controls on Form at its client width; returns the client height they need. }
function LayOutUninstallForm(Form: TSetupForm; var RemoveCheck: TNewCheckBox;
  var UninstallButton: TNewButton): Integer;
var
  Intro, Backup: TNewStaticText;
  CancelButton: TNewButton;
  Cli: String;
begin
  Form.Caption := CustomMessage('RemoveDataTitle');

  Intro := TNewStaticText.Create(Form);
  Intro.Parent := Form;
  Intro.Left := ScaleX(16);
  Intro.Top := ScaleY(16);
  Intro.Width := Form.ClientWidth - ScaleX(32);
  Intro.WordWrap := True;
  Intro.AutoSize := True;  { grows downwards to fit the text at this width }
  Intro.Caption := FmtMessage(CustomMessage('RemoveDataIntro'), [UserDataDir()]);

  RemoveCheck := TNewCheckBox.Create(Form);
  RemoveCheck.Parent := Form;
  RemoveCheck.Left := ScaleX(16);
  RemoveCheck.Top := Intro.Top + Intro.Height + ScaleY(12);
  RemoveCheck.Width := Form.ClientWidth - ScaleX(32);
  RemoveCheck.Height := ScaleY(17);
  RemoveCheck.Caption := CustomMessage('RemoveDataCheck');
  RemoveCheck.Checked := False;

  Backup := TNewStaticText.Create(Form);
  Backup.Parent := Form;
  Backup.Left := ScaleX(16);
  Backup.Top := RemoveCheck.Top + RemoveCheck.Height + ScaleY(8);
  Backup.Width := Form.ClientWidth - ScaleX(32);
  Backup.WordWrap := True;
  Backup.AutoSize := True;
  Cli := ExpandConstant('{app}\{#AppCliName}');
  Backup.Caption := FmtMessage(CustomMessage('RemoveDataBackup'), [Cli]);

  CancelButton := TNewButton.Create(Form);
  CancelButton.Parent := Form;
  CancelButton.Width := ScaleX(90);
  CancelButton.Height := ScaleY(25);
  CancelButton.Left := Form.ClientWidth - CancelButton.Width - ScaleX(16);
  CancelButton.Top := Backup.Top + Backup.Height + ScaleY(16);
  CancelButton.Caption := CustomMessage('ButtonCancel');
  CancelButton.ModalResult := mrCancel;
  CancelButton.Cancel := True;

  UninstallButton := TNewButton.Create(Form);
  UninstallButton.Parent := Form;
  UninstallButton.Width := ScaleX(90);
  UninstallButton.Height := ScaleY(25);
  UninstallButton.Left := CancelButton.Left - UninstallButton.Width - ScaleX(8);
  UninstallButton.Top := CancelButton.Top;
  UninstallButton.Caption := CustomMessage('ButtonUninstall');
  UninstallButton.ModalResult := mrOk;
  UninstallButton.Default := True;

  Result := CancelButton.Top + CancelButton.Height + ScaleY(16);
end;

{ The uninstall form: what happens to the data, with "remove my data" unticked. False cancels. }
function AskAboutUserData(): Boolean;
var
  Form: TSetupForm;
  RemoveCheck: TNewCheckBox;
  UninstallButton: TNewButton;
  Needed, Height: Integer;
begin
  { The wrapped texts decide the height: lay out once on a trial form to measure it, then
    make the form that tall (in the units the compiler's CreateCustomForm takes). }
  Height := 240;
  Form := NewUninstallForm(440, Height);
  try
    Needed := LayOutUninstallForm(Form, RemoveCheck, UninstallButton);
    if Form.ClientHeight > 0 then
      Height := (Needed * Height + Form.ClientHeight - 1) div Form.ClientHeight;
  finally
    Form.Free();
  end;
  Form := NewUninstallForm(440, Height);
  try
    LayOutUninstallForm(Form, RemoveCheck, UninstallButton);
    Form.ActiveControl := UninstallButton;
    Form.Position := poScreenCenter;
    Result := Form.ShowModal() = mrOk;
    RemoveUserData := Result and RemoveCheck.Checked;
  finally
    Form.Free();
  end;
end;

function InitializeUninstall(): Boolean;
begin
  RemoveUserData := False;
  if UninstallSilent() then
  begin
    { Scripted uninstalls (IT, upgrades by hand) keep the data unless told otherwise. }
    RemoveUserData := CompareText(ExpandConstant('{param:REMOVEUSERDATA|no}'), 'yes') = 0;
    Result := True;
  end
  else
    Result := AskAboutUserData();
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and RemoveUserData then
  begin
    Log('Removing the user data: ' + UserDataDir());
    DelTree(UserDataDir(), True, True, True);
    RemoveDir(ExpandConstant('{localappdata}\School Office'));  { only if now empty }
  end;
end;
