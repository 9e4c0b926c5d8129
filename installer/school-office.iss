; Inno Setup 6 script: the School Office installer for one Windows user, no administrator needed.
;
;   python installer\build.py        (builds the app, then runs ISCC with the defines below)
;   ISCC /DAppVersion=1.2.3 /DFileVersion=1.2.3.0 /DBundleDir=...\dist\school-office ^
;        /DOutputDir=...\out installer\school-office.iss
;
; Installs into %LOCALAPPDATA%\Programs\School Office ({autopf} of a per-user install), adds a
; Start-menu shortcut and, if ticked, a desktop one. A newer installer finds the old install by
; AppId and replaces it in place (same folder; the running app is closed first). Uninstalling
; keeps the school's database and settings unless "remove my data" is ticked; a silent
; uninstall always keeps them.

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

#define AppName "School Office"
#define AppExeName "school-office.exe"

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
DefaultDirName={autopf}\{#AppName}
UsePreviousAppDir=yes
DisableDirPage=auto
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; An upgrade closes a running School Office (Restart Manager) before replacing its files.
CloseApplications=yes
RestartApplications=no
ArchitecturesAllowed=x64
ArchitecturesInstallIn64BitMode=x64
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
english.RemoveDataBackup=Removed data cannot be restored. If this computer holds the school's only copy of the database, make a backup first (school-office db backup FILE, see the README).
english.ButtonUninstall=&Uninstall
english.ButtonCancel=Cancel
slovenian.RemoveDataTitle=Odstranitev programa School Office
slovenian.RemoveDataIntro=Program School Office bo odstranjen s tega računalnika.%n%nŠolska zbirka podatkov, nastavitve in dnevniki v mapi%n%1%nostanejo, zato ponovna namestitev (ali novejša različica) nadaljuje tam, kjer ste ostali.
slovenian.RemoveDataCheck=&Odstrani tudi moje podatke: zbirko podatkov, nastavitve in dnevnike
slovenian.RemoveDataBackup=Odstranjenih podatkov ni mogoče obnoviti. Če je na tem računalniku edina kopija šolske zbirke podatkov, jo najprej varnostno kopirajte (school-office db backup DATOTEKA, glejte README).
slovenian.ButtonUninstall=&Odstrani
slovenian.ButtonCancel=Prekliči

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; The previous version's Python and Qt files: a module left over from it must not be loaded.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExeName}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExeName}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
var
  RemoveUserData: Boolean;

{ desktop/settings.py: platformdirs' user_data_dir("school-office", "School Office",
  roaming=False), which on Windows is also its user_config_dir: the SQLite database,
  settings.json, window.ini and the logs folder all live here. }
function UserDataDir(): String;
begin
  Result := ExpandConstant('{localappdata}\School Office\school-office');
end;

{ The uninstall form: what happens to the data, with "remove my data" unticked. False cancels. }
function AskAboutUserData(): Boolean;
var
  Form: TSetupForm;
  Intro, Backup: TNewStaticText;
  RemoveCheck: TNewCheckBox;
  UninstallButton, CancelButton: TNewButton;
begin
  Form := CreateCustomForm();
  try
    Form.Caption := CustomMessage('RemoveDataTitle');
    Form.ClientWidth := ScaleX(440);
    Form.BorderStyle := bsDialog;

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
    Backup.Caption := CustomMessage('RemoveDataBackup');

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

    Form.ClientHeight := CancelButton.Top + CancelButton.Height + ScaleY(16);
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
    Result := True  { scripted uninstalls (IT, upgrades by hand) never delete data }
  else
    Result := AskAboutUserData();
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and RemoveUserData then
  begin
    DelTree(UserDataDir(), True, True, True);
    RemoveDir(ExpandConstant('{localappdata}\School Office'));  { only if now empty }
  end;
end;
