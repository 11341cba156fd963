; Inno Setup script: one installer, escape-desktop-<version>-setup.exe, from the folder that
; `pyinstaller packaging\escape-desktop.spec` leaves in dist\escape-desktop.
;
; Build on Windows, from the repository root, after the PyInstaller build:
;   iscc /DAppVersion=0.1.0 packaging\windows\escape-desktop.iss
; (packaging\README.md shows how to read the version from escape_desktop\__init__.py.)
;
; The installer needs no administrator rights: staff laptops in leisure centres are often
; locked down, so it installs for the current user unless someone chooses "all users".
; IT departments install it for every user of a machine, silently (packaging\README.md):
;   escape-desktop-<version>-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /ALLUSERS
;       [/DIR="C:\Program Files\escape-desktop"] [/PRESET="\\server\it\escape-desktop.ini"]
;       [/LOG="C:\Windows\Temp\escape-desktop-install.log"]
; /PRESET copies IT's escape-desktop.ini (data and backup folders) beside the program.
;
; Signing: define Sign and give ISCC the sign tool, e.g.
;   iscc /DSign /Ssigntool="signtool.exe sign /fd SHA256 /tr http://timestamp.digicert.com /td SHA256 /f cert.pfx /p PASSWORD $f" ...
; (sign dist\escape-desktop\*.exe with the same command before this, so the programs
; inside the installer are signed too).
; The class data lives in the user's data folder, never in the program folder, so removing
; or upgrading the program leaves every register and record where it was.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define AppName "ESCAPE-pain classes"
#define AppExe "escape-desktop.exe"
#define CliExe "escape-desktop-cli.exe"
#define SourceDir "..\..\dist\escape-desktop"

[Setup]
; The AppId ties upgrades and the uninstaller together: never change it.
AppId={{52ABB747-65B8-465A-A623-8075587F8F4D}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=escape-desktop
DefaultDirName={autopf}\escape-desktop
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
; "dialog": the user may choose all users (with an administrator's password);
; "commandline": /ALLUSERS or /CURRENTUSER chooses it in a silent install.
PrivilegesRequiredOverridesAllowed=dialog commandline
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=escape-desktop-{#AppVersion}-setup
SetupIconFile=..\..\resources\icons\app.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; Stop a running copy before files are replaced, so an upgrade never half-writes.
CloseApplications=yes
RestartApplications=no
#ifdef Sign
SignTool=signtool
SignedUninstaller=yes
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "Put an icon on the desktop"; GroupDescription: "Shortcuts:"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
; IT's preset (data_folder, backup_folder), only when /PRESET=FILE is given
Source: "{param:PRESET}"; DestDir: "{app}"; DestName: "escape-desktop.ini"; Flags: external skipifsourcedoesntexist; Check: PresetGiven

[InstallDelete]
; An upgrade replaces the whole bundle: a library left over from an older version must not
; be picked up by the new one.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Run ESCAPE-pain classes: register, circuit, measures and certificates"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "Open {#AppName} now"; Flags: nowait postinstall skipifsilent

; The command-line tool ({#CliExe}) is installed beside the app, for IT staff and scripts:
;   "%LOCALAPPDATA%\Programs\escape-desktop\escape-desktop-cli.exe" courses
; It is not added to PATH.

[Code]
function PresetGiven: Boolean;
begin
  Result := ExpandConstant('{param:PRESET}') <> '';
end;
